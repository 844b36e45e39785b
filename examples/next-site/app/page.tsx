import Link from 'next/link'
import { listArticles } from '../lib/content'
import { RenderStamp } from './render-stamp'

export const revalidate = 3600

export default async function Home() {
  const articles = await listArticles()
  return (
    <main>
      <h1 data-testid="title">Articles</h1>
      <ul>
        {articles.map((article) => (
          <li key={article.id} data-testid="article">
            <Link href={`/articles/${article.slug}`}>{article.title}</Link>
          </li>
        ))}
      </ul>
      <RenderStamp />
    </main>
  )
}
